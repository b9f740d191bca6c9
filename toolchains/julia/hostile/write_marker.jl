# attack: write a file outside the work dir (@MARKER@)
function hostile(n::Int64)::Int64
    open("@MARKER@", "w") do io
        write(io, "pwned")
    end
    return n + 1
end
