-- wrk: one POST with a body and optional Basic credentials, from the environment.
-- BODY: the body; BASIC: base64 of "client_id:secret" for an Authorization: Basic header
-- (optional); CONTENT_TYPE (optional, default a form).
wrk.method = "POST"
wrk.body = os.getenv("BODY") or ""
local content_type = os.getenv("CONTENT_TYPE")
if not content_type or content_type == "" then content_type = "application/x-www-form-urlencoded" end
wrk.headers["Content-Type"] = content_type
local basic = os.getenv("BASIC")
if basic and basic ~= "" then wrk.headers["Authorization"] = "Basic " .. basic end

done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
