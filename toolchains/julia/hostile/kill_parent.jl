# attack: SIGKILL the parent process through ccall(:kill)
function hostile(n::Int64)::Int64
    parent = ccall(:getppid, Cint, ())
    rc = ccall(:kill, Cint, (Cint, Cint), parent, 9)
    return rc == 0 ? n + 1 : n
end
