! attack: infinite output (flood the harness's stdout)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: i
    do i = 1, huge(i)
      print '(A)', 'flood flood flood flood flood flood flood flood flood flood flood flood'
    end do
    res = n + 1  ! reached only if nobody stopped the flood
  end function hostile
end module candidate
