-- wrk script for ./mesh bench ingest: POST through the gateway as BENCH_TOKEN's user. BENCH_PATH is
-- /api/v1/actions (one purchase per request, the default), /api/v1/actions:batch with BENCH_BATCH
-- purchases per request, or /api/v1/noop (authenticated and rate-limited, then nothing).
local token = os.getenv("BENCH_TOKEN")
local path = os.getenv("BENCH_PATH") or "/api/v1/actions"
local batch = tonumber(os.getenv("BENCH_BATCH") or "0")
local counter = 0

local function purchase(n)
  return '{"type":"purchase","attributes":{"sku":"' .. n .. '"}}'
end

function request()
  counter = counter + 1
  local body
  if batch > 0 then
    local actions = {}
    for i = 1, batch do actions[i] = purchase(counter * batch + i) end
    body = '{"actions":[' .. table.concat(actions, ",") .. ']}'
  else
    body = purchase(counter)
  end
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, errors,
    summary.errors.status))
end
