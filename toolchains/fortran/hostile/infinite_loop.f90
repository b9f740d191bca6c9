! attack: infinite loop (no forbidden construct; only the wall clock stops it)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: k
    k = n
    res = 0
    do while (k /= n - 1)  ! k never comes back round to n - 1 in any wall-clock budget
      res = res + 1
      if (res > 1000) res = 0
      k = k + 1
      if (k > n + 1000000) k = n
    end do
    res = n + 1
  end function hostile
end module candidate
