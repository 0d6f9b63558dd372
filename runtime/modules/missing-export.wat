;; A faulty module: it exports process_batch (a stub) but no health_check, so it cannot be
;; validated and a hot swap to it must fail.
(module
  (memory (export "memory") 2 256)
  (func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
    (i32.const 0)))
