//! The binary files the demo site serves under `/files/`: small valid PNGs and a PDF, built
//! byte by byte so that they are the same on every run.

use std::io::Write;

/// Names of the files under `/files/` (listed on `/files/` as `<a class="file" href="/files/NAME">`).
pub const FILE_NAMES: &[&str] = &["pic-1.png", "pic-2.png", "pic-3.png", "doc.pdf"];

/// A binary file served under `/files/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Value of the `Content-Type` header.
    pub content_type: &'static str,
    /// The exact body bytes.
    pub bytes: Vec<u8>,
}

/// Content of `/files/NAME`, or `None` for an unknown name.
///
/// `pic-N.png` (N = 1..=3) is a valid uncompressed RGB PNG of `(24 + 8N)`
/// pixels square (a few KB); `doc.pdf` is a small valid one-page PDF.
pub fn file(name: &str) -> Option<StaticFile> {
    match name {
        "pic-1.png" => Some(png_file(1)),
        "pic-2.png" => Some(png_file(2)),
        "pic-3.png" => Some(png_file(3)),
        "doc.pdf" => Some(StaticFile {
            content_type: "application/pdf",
            bytes: pdf_bytes(),
        }),
        _ => None,
    }
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

fn png_file(n: u32) -> StaticFile {
    let side = 24 + 8 * n;
    let mut raw = Vec::new();
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            raw.extend_from_slice(&[(x * 7 + n * 40) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8]);
        }
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
    encoder
        .write_all(&raw)
        .expect("writing to a Vec cannot fail");
    let idat = encoder.finish().expect("writing to a Vec cannot fail");

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace

    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut bytes, b"IHDR", &ihdr);
    png_chunk(&mut bytes, b"IDAT", &idat);
    png_chunk(&mut bytes, b"IEND", &[]);
    StaticFile {
        content_type: "image/png",
        bytes,
    }
}

fn pdf_bytes() -> Vec<u8> {
    let content = "BT /F1 24 Tf 72 720 Td (Crawl demo document) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}
