;; Grows its table by a million entries a batch (a worker past 2 GiB without a table limit).
;; Honest otherwise: every request succeeds, the health check answers "OK".
(module
  (memory (export "memory") 2)
  (table $t 1 funcref)
  (data (i32.const 16) "OK")
  (func (export "health_check") (result i32 i32) (i32.const 16) (i32.const 2))
  (func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
    (drop (table.grow $t (ref.null func) (i32.const 1000000)))
    (i32.const 0)))
