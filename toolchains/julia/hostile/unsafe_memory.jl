# attack: read raw memory through a pointer (unsafe_load of environ via cglobal)
function hostile(n::Int64)::Int64
    env = unsafe_load(cglobal(:environ, Ptr{Ptr{UInt8}}))
    first_var = unsafe_string(unsafe_load(env))
    return isempty(first_var) ? n : n + 1
end
