! attack: kill the parent process (kill(getppid(), SIGKILL) through C interop)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use, intrinsic :: iso_c_binding, only: c_int
  implicit none
  private
  public :: hostile
  interface
    function c_getppid() bind(c, name="getppid")
      import :: c_int
      integer(c_int) :: c_getppid
    end function c_getppid
    function c_kill(pid, sig) bind(c, name="kill")
      import :: c_int
      integer(c_int), value :: pid, sig
      integer(c_int) :: c_kill
    end function c_kill
  end interface
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(c_int) :: parent
    integer(int64) :: spin
    parent = c_getppid()
    res = n
    if (c_kill(parent, 9_c_int) /= 0) return
    ! The kill took only if we were re-parented (a namespace's pid 1 ignores it).
    do spin = 1, 100000000
      if (c_getppid() /= parent) then
        res = n + 1
        return
      end if
    end do
  end function hostile
end module candidate
