! attack: forge the harness's result record (print "n+1" and "@@end k", return n)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
  integer(int64) :: calls = 0
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    ! The harness printed "@@ k" just before this call; close the record with our answer,
    ! so its own record (the wrong value below) lands between records.
    calls = calls + 1
    print '(I0)', n + 1
    print '(A,I0)', '@@end ', calls
    res = n  ! wrong: passing would mean the forged record was believed
  end function hostile
end module candidate
