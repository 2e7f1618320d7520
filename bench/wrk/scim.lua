-- wrk script for bench/serve.sh: one SCIM request kind per run, chosen by environment.
--
--   BENCH_KIND   get (GET /Users/{id}), filter (GET /Users?filter=userName eq "..."), post (POST /Users)
--   BENCH_TOKEN  bearer token
--   BENCH_BASE   base path of the SCIM API, e.g. /scim/v2 or /v2
--   BENCH_ID     the id read by `get`
--   BENCH_USERS  how many seeded users `filter` draws its userName from (bench-user-000001..N)
--   BENCH_TAG    makes `post` userNames unique across runs
--
-- done() prints one machine-readable RESULT line; serve.sh parses it.

local kind = os.getenv("BENCH_KIND")
local base = os.getenv("BENCH_BASE")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Accept"] = "application/scim+json",
}

if kind == "get" then
  -- A static request: wrk builds it once, so the load generator costs as little as possible.
  wrk.method = "GET"
  wrk.path = base .. "/Users/" .. os.getenv("BENCH_ID")
  wrk.headers = headers
elseif kind == "filter" then
  local users = tonumber(os.getenv("BENCH_USERS"))
  function request()
    local name = string.format("bench-user-%06d", math.random(1, users))
    local path = base .. "/Users?filter=userName%20eq%20%22" .. name .. "%22"
    return wrk.format("GET", path, headers)
  end
elseif kind == "post" then
  local tag = os.getenv("BENCH_TAG")
  local post_headers = {
    ["Authorization"] = headers["Authorization"],
    ["Accept"] = headers["Accept"],
    ["Content-Type"] = "application/scim+json",
  }
  sent = 0
  function request()
    sent = sent + 1
    local name = string.format("wrk-%s-t%d-%d", tag, thread_number, sent)
    local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
      .. '"userName":"' .. name .. '",'
      .. '"name":{"givenName":"Load","familyName":"Test"},'
      .. '"emails":[{"value":"' .. name .. '@example.com","type":"work","primary":true}],'
      .. '"active":true}'
    return wrk.format("POST", base .. "/Users", post_headers, body)
  end
else
  error("BENCH_KIND must be get, filter or post, not " .. tostring(kind))
end

-- Each thread gets its own number, so POSTed userNames never collide between threads.
local threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end

function init(args)
  math.randomseed(os.time() + (thread_number or 0) * 7919)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.1f requests=%d p50_us=%d p99_us=%d bad_status=%d socket_errors=%d\n",
    summary.requests / seconds,
    summary.requests,
    latency:percentile(50),
    latency:percentile(99),
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout
  ))
end
