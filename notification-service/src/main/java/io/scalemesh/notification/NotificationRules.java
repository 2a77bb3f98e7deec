package io.scalemesh.notification;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.config.ConfigMapping;

/**
 * Which events notify, and with what text, from configuration: keys {@code action.<name>} and
 * {@code task.succeeded}/{@code task.failed}; {@code {name}} in a text is filled from the event.
 */
@ConfigMapping(prefix = "notification")
public interface NotificationRules {

    Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

    Map<String, String> rules();

    /** The message for an event kind, or empty when that kind does not notify. */
    default Optional<String> render(String kind, Function<String, String> values) {
        String template = rules().get(kind);
        if (template == null) {
            return Optional.empty();
        }
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder message = new StringBuilder();
        while (matcher.find()) {
            String value = values.apply(matcher.group(1));
            matcher.appendReplacement(message, Matcher.quoteReplacement(value == null ? "" : value));
        }
        matcher.appendTail(message);
        return Optional.of(message.toString().replaceAll("\\s+", " ").trim());
    }
}
