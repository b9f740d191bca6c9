! mutant from_second: off-by-one
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: longest_run
contains
  function longest_run(s) result(res)
    character(len=*), intent(in) :: s
    integer(int64) :: res
    integer(int64) :: best
    integer(int64) :: cur
    integer(int64) :: i
    integer(int64) :: t_k2a0x0x1x0
    logical :: t_b2a0x0

    best = 0_int64
    cur = 0_int64
    do i = 0_int64, len(s, kind=int64) - 1
      t_b2a0x0 = i > 1_int64
      if (t_b2a0x0) then
        t_k2a0x0x1x0 = i + 1
        t_b2a0x0 = py_str_eq(s(t_k2a0x0x1x0:t_k2a0x0x1x0), s(i:i))
      end if
      if (t_b2a0x0) then
        cur = cur + 1_int64
      else
        cur = 1_int64
      end if
      if (cur > best) then
        best = cur
      end if
    end do
    res = best
    return
  end function longest_run

  pure function py_str_eq(a, b) result(eq)
    ! Fortran's == pads the shorter string with blanks; Python's lengths must match.
    character(len=*), intent(in) :: a, b
    logical :: eq
    eq = len(a) == len(b)
    if (eq) eq = a == b
  end function py_str_eq
end module candidate
