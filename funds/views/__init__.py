"""Screens of the fund: funds and their cash books, vouchers, transfers, the finance page of a unit."""
