//! Blurhash (https://blurha.sh), as the reference implementation computes it.
//!
//! Our own rather than the `blurhash` crate: that crate rounds the DC colour differently from
//! the reference C/TypeScript code (which Mastodon's Ruby gem wraps), so the same picture would
//! hash differently here than on Mastodon.

use image::RgbImage;

const BASE83: &[u8; 83] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

fn push_base83(out: &mut String, value: u32, digits: u32) {
    for i in 1..=digits {
        let d = (value / 83u32.pow(digits - i)) % 83;
        out.push(char::from(BASE83[d as usize]));
    }
}

fn srgb_to_linear(v: u8) -> f64 {
    let v = f64::from(v) / 255.0;
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Truncation after adding 0.5, exactly as the reference does.
fn linear_to_srgb(v: f64) -> u32 {
    let v = v.clamp(0.0, 1.0);
    let s = if v <= 0.003_130_8 {
        v * 12.92 * 255.0 + 0.5
    } else {
        (1.055 * v.powf(1.0 / 2.4) - 0.055) * 255.0 + 0.5
    };
    s as u32
}

fn sign_pow(v: f64, exp: f64) -> f64 {
    v.abs().powf(exp).copysign(v)
}

/// Hash of `img` with `cx` x `cy` components (each 1..=9; callers pass constants).
pub(crate) fn encode(img: &RgbImage, cx: usize, cy: usize) -> String {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let cx = cx.clamp(1, 9);
    let cy = cy.clamp(1, 9);
    let lut: Vec<f64> = (0..=255u8).map(srgb_to_linear).collect();
    let pi = std::f64::consts::PI;
    let cos_x: Vec<Vec<f64>> = (0..cx)
        .map(|i| {
            (0..w)
                .map(|x| (pi * i as f64 * x as f64 / w as f64).cos())
                .collect()
        })
        .collect();
    let cos_y: Vec<Vec<f64>> = (0..cy)
        .map(|j| {
            (0..h)
                .map(|y| (pi * j as f64 * y as f64 / h as f64).cos())
                .collect()
        })
        .collect();

    // Separable: per row, weight by each horizontal basis; then combine rows vertically.
    let mut factors = vec![[0.0f64; 3]; cx * cy];
    let mut row_sums = vec![[0.0f64; 3]; cx];
    for (y, row) in img.rows().enumerate() {
        row_sums.iter_mut().for_each(|s| *s = [0.0; 3]);
        for (x, p) in row.enumerate() {
            let lin = [lut[p[0] as usize], lut[p[1] as usize], lut[p[2] as usize]];
            for (i, sum) in row_sums.iter_mut().enumerate() {
                let c = cos_x[i][x];
                sum[0] += c * lin[0];
                sum[1] += c * lin[1];
                sum[2] += c * lin[2];
            }
        }
        for j in 0..cy {
            let c = cos_y[j][y];
            for i in 0..cx {
                let f = &mut factors[j * cx + i];
                f[0] += c * row_sums[i][0];
                f[1] += c * row_sums[i][1];
                f[2] += c * row_sums[i][2];
            }
        }
    }
    let scale = 1.0 / (w * h).max(1) as f64;
    for (k, f) in factors.iter_mut().enumerate() {
        let norm = if k == 0 { 1.0 } else { 2.0 };
        f.iter_mut().for_each(|v| *v *= norm * scale);
    }

    let mut out = String::with_capacity(4 + 2 * cx * cy);
    push_base83(&mut out, ((cx - 1) + (cy - 1) * 9) as u32, 1);
    let (dc, ac) = factors.split_at(1);
    let max_value = if ac.is_empty() {
        push_base83(&mut out, 0, 1);
        1.0
    } else {
        let actual = ac.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        let quantised = ((actual * 166.0 - 0.5).floor()).clamp(0.0, 82.0) as u32;
        push_base83(&mut out, quantised, 1);
        f64::from(quantised + 1) / 166.0
    };
    let dc_value = (linear_to_srgb(dc[0][0]) << 16)
        | (linear_to_srgb(dc[0][1]) << 8)
        | linear_to_srgb(dc[0][2]);
    push_base83(&mut out, dc_value, 4);
    for f in ac {
        let q =
            |v: f64| ((sign_pow(v / max_value, 0.5) * 9.0 + 9.5).floor()).clamp(0.0, 18.0) as u32;
        push_base83(&mut out, q(f[0]) * 19 * 19 + q(f[1]) * 19 + q(f[2]), 2);
    }
    out
}
