-- wrk script for ./mesh bench profiles, gateway and smoke: GET /api/v1/profiles/<user> for a random
-- user of the seeded set (bench-0 ... bench-<BENCH_USERS - 1>), with BENCH_TOKEN as the bearer:
-- straight to profile-service an admin's internal identity token (as the gateway would forward it),
-- through the gateway a client token of the one user it reads. BENCH_BYPASS=1 adds Cache-Control:
-- no-cache, which makes profile-service read past its cache (a replica read every time).
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local bypass = os.getenv("BENCH_BYPASS") == "1"
local token = os.getenv("BENCH_TOKEN")
if not token then error("profiles.lua needs BENCH_TOKEN") end

function init(args)
  math.randomseed(os.time() * 1000 + tostring({}):len() + math.floor(os.clock() * 1e6))
end

function request()
  local user = "bench-" .. math.random(0, users - 1)
  local headers = {["Authorization"] = "Bearer " .. token}
  if bypass then headers["Cache-Control"] = "no-cache" end
  return wrk.format("GET", "/api/v1/profiles/" .. user, headers)
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")
