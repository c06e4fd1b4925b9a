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

-- The load generator shares the server's cores, so each request is built with as little work as
-- possible: the template is split once into its literal pieces and the field numbers between
-- them, and the request's head once (below), leaving a concatenation per request. Against
-- substituting the template and calling wrk.format for every request, this saves about a
-- microsecond of wrk's CPU per request (docs/performance.md, "Method").
local pieces, slots = {}, {}
do
  local at = 1
  for first, number, after in string.gmatch(template, "()%$(%d)()") do
    pieces[#pieces + 1] = string.sub(template, at, first - 1)
    slots[#slots + 1] = tonumber(number)
    at = after
  end
  pieces[#pieces + 1] = string.sub(template, at)
end

-- The head as wrk.format writes it, with the Content-Length line moved last so that only its
-- value changes per request; built at the first request, since wrk adds the Host header after
-- loading the script. false when wrk's format is not what this expects: then wrk.format it is.
local head = nil
local function build_head()
  local sample = wrk.format(nil, nil, nil, "x")
  local without, removed = string.gsub(sample, "Content%-Length: 1\r\n", "", 1)
  if removed == 1 and string.sub(without, -5) == "\r\n\r\nx" then
    head = string.sub(without, 1, -4) .. "Content-Length: "
  else
    head = false
  end
end

local fields, parts = {}, {}
request = function()
  if head == nil then build_head() end
  local line = file and file:read("*l") or ""
  local n = 0
  for f in string.gmatch(line, "%S+") do
    n = n + 1
    fields[n] = f
  end
  for k = 1, #slots do
    parts[2 * k - 1] = pieces[k]
    parts[2 * k] = (slots[k] <= n and fields[slots[k]]) or ""
  end
  parts[2 * #slots + 1] = pieces[#pieces]
  local body = table.concat(parts, "", 1, 2 * #slots + 1)
  if not head then return wrk.format(nil, nil, nil, body) end
  return head .. #body .. "\r\n\r\n" .. body
end

done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
