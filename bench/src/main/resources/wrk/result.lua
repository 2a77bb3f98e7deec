-- The RESULT line every bench script prints at the end, in the form Wrk.java reads. A script
-- loads it with: dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, errors,
    summary.errors.status))
end
