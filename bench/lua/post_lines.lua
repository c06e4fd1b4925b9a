-- wrk: one POST per line of a data file, each line used once, so every request is a distinct
-- operation (a code with its verifier, a refresh token). BODY is a form template in which $1, $2
-- stand for the line's space-separated fields; DATA names the file. Running out of lines is an
-- error, never a silent reuse: the request then goes out without the fields and fails.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local template = os.getenv("BODY") or ""
-- Lines are read as they are used, not loaded into a table first: with a million seeded lines in
-- one Lua table, the garbage collector's full cycles stopped wrk for 40-80 ms at a time, and every
-- connection's latency took the pause (the server meanwhile sat idle).
local data = os.getenv("DATA")
local file = nil
if data and data ~= "" then file = assert(io.open(data, "r")) end

request = function()
  local line = file and file:read("*l") or ""
  local fields = {}
  for f in string.gmatch(line, "%S+") do fields[#fields + 1] = f end
  local body = string.gsub(template, "%$(%d)", function(i) return fields[tonumber(i)] or "" end)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
