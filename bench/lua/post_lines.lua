-- wrk: one POST per line of a data file, each line used once, so every request is a distinct
-- operation (a code with its verifier, a refresh token). BODY is a form template in which $1, $2
-- stand for the line's space-separated fields; DATA names the file. Running out of lines is an
-- error, never a silent reuse: the request then goes out without the fields and fails.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local template = os.getenv("BODY") or ""
local lines = {}
local data = os.getenv("DATA")
if data and data ~= "" then
  for line in io.lines(data) do lines[#lines + 1] = line end
end
local next_line = 0

request = function()
  next_line = next_line + 1
  local fields = {}
  for f in string.gmatch(lines[next_line] or "", "%S+") do fields[#fields + 1] = f end
  local body = string.gsub(template, "%$(%d)", function(i) return fields[tonumber(i)] or "" end)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
