;; image-processor v1.2.0: grayscale from one 32-bit load and one store a pixel (faster).
(func $kernel (param $len i32) (result i32)
  (local $p i32) (local $end i32) (local $px i32) (local $gray i32) (local $sum i32)
  (local.set $p (i32.const 1024))
  (local.set $end (i32.add (i32.const 1024) (local.get $len)))
  (block $done
    (loop $pixel
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $px (i32.load (local.get $p)))
      (local.set $gray
        (i32.shr_u
          (i32.add (i32.add
            (i32.mul (i32.and (local.get $px) (i32.const 0xff)) (i32.const 77))
            (i32.mul (i32.and (i32.shr_u (local.get $px) (i32.const 8)) (i32.const 0xff)) (i32.const 150)))
            (i32.mul (i32.and (i32.shr_u (local.get $px) (i32.const 16)) (i32.const 0xff)) (i32.const 29)))
          (i32.const 8)))
      (i32.store (local.get $p)
        (i32.or (i32.and (local.get $px) (i32.const 0xff000000))
                (i32.mul (local.get $gray) (i32.const 0x010101))))
      (local.set $sum (i32.add (local.get $sum) (local.get $gray)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $pixel)))
  (local.get $sum))
