# attack: call libc system() through ccall (creates @MARKER@)
function hostile(n::Int64)::Int64
    rc = ccall(:system, Cint, (Cstring,), "echo pwned > @MARKER@")
    return rc == 0 ? n + 1 : n
end
