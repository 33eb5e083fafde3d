-- wrk script: POST the snappy remote-write body in $PAYLOAD on every request.
local file = assert(io.open(os.getenv("PAYLOAD"), "rb"))
wrk.body = file:read("*a")
file:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-protobuf"
wrk.headers["Content-Encoding"] = "snappy"
wrk.headers["X-Prometheus-Remote-Write-Version"] = "0.1.0"
