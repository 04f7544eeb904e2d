//! Downscaling that streams: one output row at a time, so the only big buffers are the source
//! and the result. `image`'s own `resize` keeps a full-size f32 intermediate (for a 12 MP photo
//! ~120 MB on top of the decoded 36 MB), which is exactly the kind of spike we must not have.

use image::{DynamicImage, ImageBuffer, Pixel};

/// Lanczos-3, the usual choice for photographs (ImageMagick's default for downscaling).
fn lanczos3(x: f64) -> f64 {
    fn sinc(x: f64) -> f64 {
        if x == 0.0 {
            1.0
        } else {
            let a = std::f64::consts::PI * x;
            a.sin() / a
        }
    }
    if x.abs() < 3.0 {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

/// For each output coordinate: the first source index and the normalised weights.
fn weights(src: u32, dst: u32) -> Vec<(usize, Vec<f32>)> {
    let scale = f64::from(src) / f64::from(dst);
    let filter_scale = scale.max(1.0);
    let support = 3.0 * filter_scale;
    (0..dst)
        .map(|i| {
            let center = (f64::from(i) + 0.5) * scale;
            let start = ((center - support).floor().max(0.0)) as usize;
            let end = ((center + support).ceil() as usize).min(src as usize);
            let mut w: Vec<f64> = (start..end)
                .map(|j| lanczos3((j as f64 + 0.5 - center) / filter_scale))
                .collect();
            let sum: f64 = w.iter().sum();
            if sum != 0.0 {
                w.iter_mut().for_each(|v| *v /= sum);
            }
            (start, w.into_iter().map(|v| v as f32).collect())
        })
        .collect()
}

fn resize_buffer<P>(src: &ImageBuffer<P, Vec<u8>>, w: u32, h: u32) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let ch = usize::from(P::CHANNEL_COUNT);
    let sw = src.width() as usize;
    let raw = src.as_raw();
    let xw = weights(src.width(), w);
    let yw = weights(src.height(), h);
    let mut out = vec![0u8; w as usize * h as usize * ch];
    let mut column_pass = vec![0f32; sw * ch];
    for (y, (y0, ywts)) in yw.iter().enumerate() {
        column_pass.iter_mut().for_each(|v| *v = 0.0);
        for (k, wt) in ywts.iter().enumerate() {
            let row = &raw[(y0 + k) * sw * ch..(y0 + k + 1) * sw * ch];
            for (acc, &v) in column_pass.iter_mut().zip(row) {
                *acc += wt * f32::from(v);
            }
        }
        let out_row = &mut out[y * w as usize * ch..(y + 1) * w as usize * ch];
        for ((x0, xwts), dst) in xw.iter().zip(out_row.chunks_exact_mut(ch)) {
            let mut acc = [0f32; 4];
            let window = &column_pass[x0 * ch..(x0 + xwts.len()) * ch];
            for (wt, px) in xwts.iter().zip(window.chunks_exact(ch)) {
                for (a, v) in acc.iter_mut().zip(px) {
                    *a += wt * v;
                }
            }
            for (d, a) in dst.iter_mut().zip(acc) {
                *d = a.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    // The buffer has exactly w * h * ch bytes, so this cannot fail.
    ImageBuffer::from_raw(w, h, out).unwrap_or_else(|| ImageBuffer::new(w, h))
}

/// `img` resampled to `w` x `h` (meant for downscaling), 8 bits per channel.
pub(crate) fn resize(img: &DynamicImage, w: u32, h: u32) -> DynamicImage {
    match img {
        DynamicImage::ImageLuma8(b) => DynamicImage::ImageLuma8(resize_buffer(b, w, h)),
        DynamicImage::ImageLumaA8(b) => DynamicImage::ImageLumaA8(resize_buffer(b, w, h)),
        DynamicImage::ImageRgb8(b) => DynamicImage::ImageRgb8(resize_buffer(b, w, h)),
        DynamicImage::ImageRgba8(b) => DynamicImage::ImageRgba8(resize_buffer(b, w, h)),
        other if other.color().has_alpha() => {
            DynamicImage::ImageRgba8(resize_buffer(&other.to_rgba8(), w, h))
        }
        other => DynamicImage::ImageRgb8(resize_buffer(&other.to_rgb8(), w, h)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_stays_uniform_and_sizes_are_right() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            101,
            77,
            image::Rgb([10, 200, 90]),
        ));
        let out = resize(&img, 40, 31).to_rgb8();
        assert_eq!(out.dimensions(), (40, 31));
        assert!(out.pixels().all(|p| p.0 == [10, 200, 90]));
    }

    #[test]
    fn halves_average_neighbours() {
        // Alternating black/white columns average to mid grey when halved.
        let img = DynamicImage::ImageLuma8(image::GrayImage::from_fn(64, 8, |x, _| {
            image::Luma([if x % 2 == 0 { 0 } else { 255 }])
        }));
        let out = resize(&img, 32, 4).to_luma8();
        for p in out.pixels().skip(2).take(20) {
            assert!((110..=145).contains(&p.0[0]), "{p:?}");
        }
    }
}
