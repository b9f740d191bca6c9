# attack: call libc system() through the @ccall macro (creates @MARKER@)
function hostile(n::Int64)::Int64
    rc = @ccall system("echo pwned > @MARKER@"::Cstring)::Cint
    return rc == 0 ? n + 1 : n
end
