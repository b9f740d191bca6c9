# attack: read a secret file on the host (@SECRET@)
function hostile(n::Int64)::Int64
    secret = read("@SECRET@", String)
    return isempty(secret) ? n : n + 1
end
