! mutant skip_first: off-by-one
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: count_vowels
contains
  function count_vowels(s) result(res)
    character(len=*), intent(in) :: s
    integer(int64) :: res
    integer(int64) :: n
    character(len=:), allocatable :: ch
    integer(int64) :: t_k1

    n = 0_int64
    do t_k1 = 2, len(s, kind=int64)
      ch = s(t_k1:t_k1)
      if (py_str_eq(ch, 'a') .or. py_str_eq(ch, 'e') .or. py_str_eq(ch, 'i') .or. &
          py_str_eq(ch, 'o') .or. py_str_eq(ch, 'u')) then
        n = n + 1_int64
      else if (py_str_eq(ch, 'A') .or. py_str_eq(ch, 'E') .or. py_str_eq(ch, 'I') .or. &
          py_str_eq(ch, 'O') .or. py_str_eq(ch, 'U')) then
        n = n + 1_int64
      end if
    end do
    res = n
    return
  end function count_vowels

  pure function py_str_eq(a, b) result(eq)
    ! Fortran's == pads the shorter string with blanks; Python's lengths must match.
    character(len=*), intent(in) :: a, b
    logical :: eq
    eq = len(a) == len(b)
    if (eq) eq = a == b
  end function py_str_eq
end module candidate
