//! `service healthcheck`: the container health check. The distroless image has no shell and
//! no curl, so the binary probes its own liveness endpoint on 127.0.0.1:$PORT.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Returns true when `GET {HEALTH_LIVE_PATH}` answers 200 within `timeout`.
pub async fn probe(port: u16, timeout: Duration) -> bool {
    matches!(
        tokio::time::timeout(timeout, request(port)).await,
        Ok(Ok(200))
    )
}

async fn request(port: u16) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n",
        crate::defaults::HEALTH_LIVE_PATH
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    // The status line is enough: "HTTP/1.1 200 OK".
    while !head.contains(&b'\n') && head.len() < 4096 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status line"))
}
