;; The part every image-processor version shares: memory, the fault knobs, health_check.
;; A catalogue entry wraps this and one kernel file in (module ...).
;;
;; Knobs (exported mutable globals, set by the worker when it instantiates the module,
;; from the scenario's fault profile; ppm = parts per million):
;;   node_key     0..999999, the node's own draw: a node is afflicted by a fault of
;;                rate r when node_key < r * 1e6
;;   hc_fail_ppm  health_check answers "FAIL" on afflicted nodes
;;   crash_ppm    process traps (the instance crashes) on afflicted nodes after 20 calls
;;   error_ppm    process answers -1 for that share of requests
;;   slow_factor  process repeats its work this many times (a latency regression)
(memory (export "memory") 2 256)
(global $node_key (export "node_key") (mut i32) (i32.const 0))
(global $hc_fail_ppm (export "hc_fail_ppm") (mut i32) (i32.const 0))
(global $crash_ppm (export "crash_ppm") (mut i32) (i32.const 0))
(global $error_ppm (export "error_ppm") (mut i32) (i32.const 0))
(global $slow_factor (export "slow_factor") (mut i32) (i32.const 1))
(global $calls (mut i32) (i32.const 0))
(data (i32.const 16) "OK")
(data (i32.const 24) "FAIL")

;; The guide's health check: returns the string "OK" as (pointer, length).
(func (export "health_check") (result i32 i32)
  (if (result i32 i32) (i32.lt_u (global.get $node_key) (global.get $hc_fail_ppm))
    (then (i32.const 24) (i32.const 4))
    (else (i32.const 16) (i32.const 2))))

;; process(len, request): run the kernel over the RGBA image of len bytes at offset 1024;
;; returns a checksum (>= 0), or -1 when the request fails.
(func (export "process") (param $len i32) (param $request i32) (result i32)
  (local $round i32) (local $sum i32)
  (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
  (if (i32.and (i32.lt_u (global.get $node_key) (global.get $crash_ppm))
               (i32.gt_u (global.get $calls) (i32.const 20)))
    (then unreachable))
  (loop $again
    (local.set $sum (call $kernel (local.get $len)))
    (local.set $round (i32.add (local.get $round) (i32.const 1)))
    (br_if $again (i32.lt_u (local.get $round) (global.get $slow_factor))))
  (if (result i32)
      (i32.lt_u (i32.rem_u (i32.mul (i32.add (local.get $request) (global.get $node_key))
                                    (i32.const 2654435761))
                           (i32.const 1000000))
                (global.get $error_ppm))
    (then (i32.const -1))
    (else (i32.and (local.get $sum) (i32.const 0x7fffffff)))))
