-- wrk script for ./mesh bench gateway: the same profile GET, either straight to profile-service
-- (BENCH_DIRECT=1: the identity header the gateway would forward) or through the gateway (a bearer token).
local user = os.getenv("BENCH_USER") or "bench-0"
local headers = {}
if os.getenv("BENCH_DIRECT") == "1" then
  headers["X-Mesh-User"] = user
else
  headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
  return wrk.format("GET", "/api/v1/profiles/" .. user, headers)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, errors,
    summary.errors.status))
end
