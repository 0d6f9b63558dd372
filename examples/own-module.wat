;; A module of your own for the real fleet: the smallest that serves. It inverts the
;; image's colours, answers "OK" to health_check, and fails no request. Point a scenario
;; at it with `modules: {<module id>: {wasm: path/to/own-module.wat}}`.
(module
  (memory (export "memory") 1)
  (global (export "done") (mut i32) (i32.const 0))
  (data (i32.const 16) "OK")
  (func (export "health_check") (result i32 i32) (i32.const 16) (i32.const 2))
  (func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
    (local $i i32) (local $p i32)
    (block $end
      (loop $request
        (br_if $end (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.const 1024))
        (block $image_done
          (loop $byte
            (br_if $image_done (i32.ge_u (local.get $p) (i32.add (i32.const 1024) (local.get $len))))
            (i32.store8 (local.get $p) (i32.xor (i32.load8_u (local.get $p)) (i32.const 255)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $byte)))
        (i32.store8 offset=256 (local.get $i) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (global.set 0 (local.get $i))
        (br $request)))
    (i32.const 0)))
