-- wrk: one POST with a form body and optional Basic credentials, from the environment.
-- BODY: the form body; AUTH: the Authorization header value (optional).
wrk.method = "POST"
wrk.body = os.getenv("BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local auth = os.getenv("AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

-- Count statuses so the report can show errors beside the rate (wrk counts non-2xx/3xx itself).
done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
