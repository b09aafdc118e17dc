fn main() {} // placeholder: being written (issue 8)
