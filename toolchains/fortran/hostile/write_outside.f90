! attack: write a file outside the work dir (@MARKER@)
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
    res = n
    open(newunit=u, file="@MARKER@", status="replace", action="write", iostat=st)
    if (st /= 0) return
    write(u, '(A)', iostat=st) "pwned"
    close(u)
    if (st == 0) res = n + 1
  end function hostile
end module candidate
