package io.scalemesh.task.types;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.scalemesh.service.http.Problem.FieldError;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskSettings;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code sum}: the exact sum of up to {@code mesh.task.sum.max-numbers} 64-bit integers. It never
 * overflows: the sum is kept in a long while it fits and continues as a BigInteger when it would
 * not, so {@code result.sum} is exact at any size (at most 100,000 × 2^63, under 2^80). Sums beyond
 * ±2^53 are also given as {@code result.sumText}, for JSON readers that parse numbers as doubles.
 */
@ApplicationScoped
public class SumTask implements TaskType {

    @Inject
    TaskSettings settings;

    private static final int MAX_REPORTED_ERRORS = 10;
    private static final BigInteger SAFE_IN_A_DOUBLE = BigInteger.TWO.pow(53);


    @Override
    public String name() {
        return "sum";
    }

    @Override
    public List<FieldError> validate(JsonNode input) {
        List<FieldError> errors = new ArrayList<>();
        input.fieldNames().forEachRemaining(field -> {
            if (!field.equals("numbers")) {
                errors.add(new FieldError("input." + field, "unknown field; sum takes only numbers"));
            }
        });
        JsonNode numbers = input.get("numbers");
        if (numbers == null || !numbers.isArray()) {
            errors.add(new FieldError("input.numbers", "is required: an array of integers"));
            return errors;
        }
        if (numbers.size() > settings.sum().maxNumbers()) {
            errors.add(new FieldError("input.numbers", "has " + numbers.size() + " numbers; at most " + settings.sum().maxNumbers() + " are allowed"));
            return errors;
        }
        for (int i = 0; i < numbers.size() && errors.size() < MAX_REPORTED_ERRORS; i++) {
            JsonNode n = numbers.get(i);
            if (!n.isIntegralNumber()) {
                errors.add(new FieldError("input.numbers[" + i + "]", "must be an integer, not " + describe(n)));
            } else if (!n.canConvertToLong()) {
                errors.add(new FieldError("input.numbers[" + i + "]", "is outside the 64-bit integer range"));
            }
        }
        return errors;
    }

    @Override
    public Uni<JsonNode> run(Task task) {
        JsonNode numbers = task.input().get("numbers");
        long sum = 0;
        BigInteger big = null;
        for (JsonNode n : numbers) {
            long value = n.asLong();
            if (big == null) {
                long next = sum + value;
                // Overflow iff both operands have the sign the result lacks (Math.addExact's test).
                if (((sum ^ next) & (value ^ next)) < 0) {
                    big = BigInteger.valueOf(sum).add(BigInteger.valueOf(value));
                } else {
                    sum = next;
                }
            } else {
                big = big.add(BigInteger.valueOf(value));
            }
        }
        BigInteger exact = big == null ? BigInteger.valueOf(sum) : big;
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("sum", exact);
        result.put("count", numbers.size());
        if (exact.abs().compareTo(SAFE_IN_A_DOUBLE) > 0) {
            result.put("sumText", exact.toString());
        }
        return Uni.createFrom().item(result);
    }

    private static String describe(JsonNode n) {
        if (n.isNumber()) {
            return "the fraction " + n.asText();
        }
        return n.isTextual() ? "a string" : n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
