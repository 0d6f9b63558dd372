;; image-processor v1.2.0: grayscale in fixed point ((77 R + 150 G + 29 B) >> 8), no floats.
(func $kernel (param $len i32) (result i32)
  (local $p i32) (local $end i32) (local $gray i32) (local $sum i32)
  (local.set $p (i32.const 1024))
  (local.set $end (i32.add (i32.const 1024) (local.get $len)))
  (block $done
    (loop $pixel
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $gray
        (i32.shr_u
          (i32.add (i32.add
            (i32.mul (i32.load8_u (local.get $p)) (i32.const 77))
            (i32.mul (i32.load8_u offset=1 (local.get $p)) (i32.const 150)))
            (i32.mul (i32.load8_u offset=2 (local.get $p)) (i32.const 29)))
          (i32.const 8)))
      (i32.store8 (local.get $p) (local.get $gray))
      (i32.store8 offset=1 (local.get $p) (local.get $gray))
      (i32.store8 offset=2 (local.get $p) (local.get $gray))
      (local.set $sum (i32.add (local.get $sum) (local.get $gray)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $pixel)))
  (local.get $sum))
