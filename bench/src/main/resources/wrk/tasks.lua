-- wrk script for ./mesh bench tasks: POST /api/v1/tasks, a sum of 100 numbers, straight to
-- task-service with the identity header the gateway would forward, for one of 50 users
-- (<BENCH_USER_PREFIX>0 ... 49). Prints the RESULT line the harness reads.
local prefix = os.getenv("BENCH_USER_PREFIX") or "bench-"
local numbers = {}
for i = 1, 100 do numbers[i] = tostring(i) end
local body = '{"type":"sum","input":{"numbers":[' .. table.concat(numbers, ",") .. ']}}'

function init(args)
  math.randomseed(os.time() * 1000 + tostring({}):len() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format("POST", "/api/v1/tasks",
    {["X-Mesh-User"] = prefix .. math.random(0, 49), ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, errors,
    summary.errors.status))
end
