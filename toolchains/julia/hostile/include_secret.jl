# attack: include the secret file as code, leaking it through the load error
include("@SECRET@")

function hostile(n::Int64)::Int64
    return n
end
