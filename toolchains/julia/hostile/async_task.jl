# attack: leave a task running (Threads.@spawn) that writes @MARKER@ after the call returns
function hostile(n::Int64)::Int64
    Threads.@spawn begin
        sleep(0.5)
        write("@MARKER@", "pwned")
    end
    return n
end
