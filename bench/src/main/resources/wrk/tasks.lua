-- wrk script for ./mesh bench tasks: POST /api/v1/tasks, a sum of 100 numbers, straight to
-- task-service as one of the users whose internal identity tokens BENCH_TOKENS holds
-- ("Bearer ..." comma-separated, as the gateway would forward them). Prints the RESULT line the
-- harness reads.
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = token end
if #tokens == 0 then error("tasks.lua needs BENCH_TOKENS") end
local numbers = {}
for i = 1, 100 do numbers[i] = tostring(i) end
local body = '{"type":"sum","input":{"numbers":[' .. table.concat(numbers, ",") .. ']}}'

function init(args)
  math.randomseed(os.time() * 1000 + tostring({}):len() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format("POST", "/api/v1/tasks",
    {["Authorization"] = tokens[math.random(1, #tokens)], ["Content-Type"] = "application/json"}, body)
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
