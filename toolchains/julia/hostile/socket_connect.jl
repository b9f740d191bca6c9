# attack: open a TCP connection to the host's loopback with Sockets
using Sockets

function hostile(n::Int64)::Int64
    sock = Sockets.connect(ip"127.0.0.1", @PORT@)
    close(sock)
    return n + 1
end
