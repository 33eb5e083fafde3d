-- wrk script: POST remote-write bodies of several edges in turn, $PAYLOADS files named
-- edge-0.bin, edge-1.bin, ... in $PAYLOAD_DIR (each wrk thread starts at its own edge).
local dir = os.getenv("PAYLOAD_DIR")
local count = tonumber(os.getenv("PAYLOADS"))
local bodies = {}
for i = 0, count - 1 do
  local file = assert(io.open(dir .. "/edge-" .. i .. ".bin", "rb"))
  bodies[i + 1] = file:read("*a")
  file:close()
end
local turn = math.random(count)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-protobuf"
wrk.headers["Content-Encoding"] = "snappy"
wrk.headers["X-Prometheus-Remote-Write-Version"] = "0.1.0"
request = function()
  turn = turn % count + 1
  return wrk.format(nil, nil, nil, bodies[turn])
end
