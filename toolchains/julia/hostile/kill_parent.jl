# attack: SIGKILL the parent process through ccall(:kill)
function hostile(n::Int64)::Int64
    parent = ccall(:getppid, Cint, ())
    ccall(:kill, Cint, (Cint, Cint), parent, 9) == 0 || return n
    # The kill took only if we were re-parented (a namespace's pid 1 ignores it).
    for _ in 1:200
        ccall(:getppid, Cint, ()) != parent && return n + 1
        sleep(0.01)
    end
    return n
end
