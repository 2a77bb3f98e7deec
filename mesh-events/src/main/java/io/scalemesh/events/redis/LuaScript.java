package io.scalemesh.events.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.mutiny.redis.client.Response;

/**
 * A Lua script run by its SHA-1 (EVALSHA): the script's text crosses the network and is compiled
 * only when Redis answers NOSCRIPT, i.e. the first time and after Redis restarted or was flushed;
 * that EVAL caches it again.
 */
public final class LuaScript {

    private final String text;
    private final String sha;

    public LuaScript(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String text() {
        return text;
    }

    public Uni<Response> run(RedisAPI redis, List<String> keys, List<String> args) {
        List<String> call = new ArrayList<>(keys.size() + args.size() + 2);
        call.add(sha);
        call.add(Integer.toString(keys.size()));
        call.addAll(keys);
        call.addAll(args);
        return redis.evalsha(call).onFailure(LuaScript::isNoScript).recoverWithUni(() -> {
            List<String> eval = new ArrayList<>(call);
            eval.set(0, text);
            return redis.eval(eval);
        });
    }

    static boolean isNoScript(Throwable failure) {
        return String.valueOf(failure.getMessage()).startsWith("NOSCRIPT");
    }
}
