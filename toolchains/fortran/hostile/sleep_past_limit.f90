! attack: sleep past the run limit (C sleep() through C interop)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use, intrinsic :: iso_c_binding, only: c_int
  implicit none
  private
  public :: hostile
  interface
    function c_sleep(seconds) bind(c, name="sleep")
      import :: c_int
      integer(c_int), value :: seconds
      integer(c_int) :: c_sleep
    end function c_sleep
  end interface
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n
    if (c_sleep(3600_c_int) == 0) res = n + 1  ! slept the whole hour
  end function hostile
end module candidate
