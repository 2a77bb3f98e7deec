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

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
