# attack: read raw memory through pointers (walk environ via cglobal) for the host's canary
function hostile(n::Int64)::Int64
    env = unsafe_load(cglobal(:environ, Ptr{Ptr{UInt8}}))
    i = 1
    while true
        entry = unsafe_load(env, i)
        entry == C_NULL && return n
        startswith(unsafe_string(entry), "TOLK_HOSTILE_CANARY=") && return n + 1
        i += 1
    end
end
