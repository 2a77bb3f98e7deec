-- wrk script for ./mesh bench profiles, gateway and smoke: GET /api/v1/profiles/<user> for a random
-- user of the seeded set (bench-0 ... bench-<BENCH_USERS - 1>). Straight to profile-service it sends
-- the identity header the gateway would forward; with BENCH_TOKEN it goes through the gateway as that
-- token's user. BENCH_BYPASS=1 adds Cache-Control: no-cache, which makes profile-service read past
-- its cache (a replica read every time).
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local bypass = os.getenv("BENCH_BYPASS") == "1"
local token = os.getenv("BENCH_TOKEN")

function init(args)
  math.randomseed(os.time() * 1000 + tostring({}):len() + math.floor(os.clock() * 1e6))
end

function request()
  local user = "bench-" .. math.random(0, users - 1)
  local headers = {}
  if token then
    headers["Authorization"] = "Bearer " .. token
  else
    headers["X-Mesh-User"] = user
  end
  if bypass then headers["Cache-Control"] = "no-cache" end
  return wrk.format("GET", "/api/v1/profiles/" .. user, headers)
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
