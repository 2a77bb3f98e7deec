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

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
