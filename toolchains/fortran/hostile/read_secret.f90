! attack: read (then overwrite) a secret file on the host (@SECRET@)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer :: u, st
    character(len=256) :: line
    res = n
    open(newunit=u, file="@SECRET@", status="old", action="readwrite", iostat=st)
    if (st /= 0) return
    read(u, '(A)', iostat=st) line
    if (st /= 0) return
    rewind(u)
    write(u, '(A)', iostat=st) "tampered"
    close(u)
    if (len_trim(line) > 0) res = n + 1
  end function hostile
end module candidate
