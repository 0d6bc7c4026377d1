//! Decoding an Arrow IPC file from bytes that may be corrupt. arrow-ipc verifies the flatbuffers
//! and validates the arrays it builds, but it trusts each message's buffer offsets and lengths
//! (a slice past the end of a block panics). So every block is checked here first — its place in
//! the file, its message header, every buffer and field node against the block's body — and the
//! schema at the head of the file must equal the footer's. Only then is the decoder handed the
//! bytes. A problem is a message naming the byte offset or the column where it is known.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::convert::try_fb_to_schema;
use arrow_ipc::reader::{FileDecoder, read_footer_length};
use arrow_ipc::{Block, MessageHeader, root_as_footer, root_as_message};
use arrow_schema::{DataType, Schema};

const MAGIC: &[u8] = b"ARROW1";
/// The leading magic and its padding to 8 bytes.
const HEAD: usize = 8;
/// Footer length (4) + "ARROW1" (6).
const TRAILER: usize = 10;
const CONTINUATION: [u8; 4] = [0xff; 4];

/// Decodes every record batch of an IPC file's bytes (copied once into an aligned buffer): for
/// files the engine reads whole, such as a sweep's tables or a returns matrix.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Result<Vec<RecordBatch>, String> {
    decode(&Buffer::from_slice_ref(bytes))
}

/// Decodes every record batch of the IPC file held in `buffer`, zero-copy.
pub(crate) fn decode(buffer: &Buffer) -> Result<Vec<RecordBatch>, String> {
    let len = buffer.len();
    if len < HEAD + TRAILER || &buffer[..MAGIC.len()] != MAGIC {
        return Err(format!("too short or missing the ARROW1 magic ({len} bytes); truncated?"));
    }
    let trailer_start = len - TRAILER;
    let trailer: [u8; TRAILER] = buffer[trailer_start..].try_into().map_err(|_| "bad trailer".to_string())?;
    let footer_len = read_footer_length(trailer).map_err(|e| format!("{e}; truncated?"))?;
    if footer_len > trailer_start - HEAD {
        return Err(format!("the footer length {footer_len} exceeds the file size; truncated?"));
    }
    let footer_start = trailer_start - footer_len;
    let footer = root_as_footer(&buffer[footer_start..trailer_start])
        .map_err(|e| format!("unreadable footer at byte {footer_start}: {e}"))?;
    let fb_schema = footer.schema().ok_or("the footer has no schema")?;
    let schema = try_fb_to_schema(fb_schema).map_err(|e| format!("the footer's schema: {e}"))?;
    check_head_schema(buffer, footer_start, &schema)?;
    let columns = column_layouts(&schema)?;
    // Which column each dictionary id belongs to (a dictionary batch carries its values).
    let dictionary_columns: Vec<(i64, usize)> = fb_schema
        .fields()
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, f)| f.dictionary().map(|d| (d.id(), i)))
        .collect();

    let mut decoder = FileDecoder::new(Arc::new(schema), footer.version());
    let block_bytes = |what: &str, block: &Block| -> Result<Buffer, String> {
        check_block(buffer, footer_start, what, block, &columns, &dictionary_columns)?;
        let len = block.metaDataLength() as usize + block.bodyLength() as usize;
        Ok(buffer.slice_with_length(block.offset() as usize, len))
    };
    for (i, block) in footer.dictionaries().iter().flatten().enumerate() {
        let what = format!("dictionary block {i}");
        let bytes = block_bytes(&what, block)?;
        decoder.read_dictionary(block, &bytes).map_err(|e| format!("{what} at byte {}: {e}", block.offset()))?;
    }
    let mut batches = Vec::new();
    for (i, block) in footer.recordBatches().iter().flatten().enumerate() {
        let what = format!("record batch {i}");
        let bytes = block_bytes(&what, block)?;
        let batch =
            decoder.read_record_batch(block, &bytes).map_err(|e| format!("{what} at byte {}: {e}", block.offset()))?;
        batches.extend(batch);
    }
    Ok(batches)
}

/// When the file opens with a schema message (arrow-rs writes one; apache-arrow's JS writer
/// starts with the batches), it must say what the footer says, so a flipped byte in either copy
/// is caught rather than silently believed.
fn check_head_schema(buffer: &Buffer, footer_start: usize, footer_schema: &Schema) -> Result<(), String> {
    // Writers may pad the leading magic further with zeros (arrow-rs aligns to 64 bytes).
    let mut at = HEAD;
    while at + 8 <= footer_start && buffer[at..at + 8] == [0; 8] {
        at += 8;
    }
    let (message, _) = message_at(buffer, at, footer_start).map_err(|e| format!("the first message: {e}"))?;
    let Some(head) = message.header_as_schema() else { return Ok(()) };
    let head = try_fb_to_schema(head).map_err(|e| format!("the schema message: {e}"))?;
    if &head != footer_schema {
        return Err("the schema at the head of the file differs from the footer's (a corrupted byte?)".into());
    }
    Ok(())
}

/// The message whose encapsulation starts at `offset` (continuation marker, length, flatbuffer),
/// and the size of that encapsulation; nothing read past `end`.
fn message_at(buffer: &Buffer, offset: usize, end: usize) -> Result<(arrow_ipc::Message<'_>, usize), String> {
    let word = |at: usize| -> Result<[u8; 4], String> {
        buffer
            .get(at..at + 4)
            .filter(|_| at + 4 <= end)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("runs past the end of its block at byte {at}"))
    };
    // Files from before the continuation marker start with the length itself.
    let (prefix, length) = match word(offset)? {
        CONTINUATION => (8, i32::from_le_bytes(word(offset + 4)?)),
        other => (4, i32::from_le_bytes(other)),
    };
    let length = usize::try_from(length).map_err(|_| format!("negative message length at byte {offset}"))?;
    let start = offset + prefix;
    if start.checked_add(length).is_none_or(|stop| stop > end) {
        return Err(format!("a message of {length} bytes at byte {offset} runs past the end of its block"));
    }
    let message = root_as_message(&buffer[start..start + length])
        .map_err(|e| format!("unreadable message at byte {offset}: {e}"))?;
    Ok((message, prefix + length))
}

/// What each buffer of a column holds: a validity (or boolean) bitmap, or values of a fixed width
/// in bytes (1 for string data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Bitmap,
    Width(usize),
}

/// A column's buffers, and those of its dictionary's values when it is dictionary-encoded.
#[derive(Debug, Clone)]
struct Layout {
    name: String,
    buffers: Vec<Slot>,
    dictionary: Option<Vec<Slot>>,
}

/// The buffers of a flat column type; nested types are not part of any aegis-bt file.
fn slots(dt: &DataType) -> Option<Vec<Slot>> {
    use Slot::{Bitmap, Width};
    let fixed = |w: usize| Some(vec![Bitmap, Width(w)]);
    match dt {
        DataType::Null => Some(vec![]),
        DataType::Boolean => Some(vec![Bitmap, Bitmap]),
        DataType::Utf8 | DataType::Binary => Some(vec![Bitmap, Width(4), Width(1)]),
        DataType::LargeUtf8 | DataType::LargeBinary => Some(vec![Bitmap, Width(8), Width(1)]),
        DataType::Dictionary(key, _) => slots(key),
        other => other.primitive_width().and_then(fixed),
    }
}

fn column_layouts(schema: &Schema) -> Result<Vec<Layout>, String> {
    schema
        .fields()
        .iter()
        .map(|f| {
            let unsupported =
                || format!("column \"{}\" has type {}, which no aegis-bt file uses", f.name(), f.data_type());
            let dictionary = match f.data_type() {
                DataType::Dictionary(_, values) => Some(slots(values).ok_or_else(unsupported)?),
                _ => None,
            };
            Ok(Layout { name: f.name().clone(), buffers: slots(f.data_type()).ok_or_else(unsupported)?, dictionary })
        })
        .collect()
}

/// Checks a block before the decoder sees it: inside the data area, its message a batch whose
/// body is the block's body, every buffer aligned, inside that body and a whole number of values,
/// sane field nodes, no compression.
fn check_block(
    buffer: &Buffer,
    footer_start: usize,
    what: &str,
    block: &Block,
    columns: &[Layout],
    dictionary_columns: &[(i64, usize)],
) -> Result<(), String> {
    let at = block.offset();
    let bad = |message: String| format!("{what} at byte {at}: {message}");
    let offset = usize::try_from(at).map_err(|_| bad("negative offset".into()))?;
    let meta = usize::try_from(block.metaDataLength()).map_err(|_| bad("negative metadata length".into()))?;
    let body = usize::try_from(block.bodyLength()).map_err(|_| bad("negative body length".into()))?;
    let end = offset.checked_add(meta).and_then(|m| m.checked_add(body));
    if offset < HEAD || end.is_none_or(|e| e > footer_start) {
        return Err(bad("runs past the end of the data; truncated?".into()));
    }
    if offset % 8 != 0 || meta % 8 != 0 {
        return Err(bad(format!("misaligned block (metadata length {meta})")));
    }
    let (message, used) = message_at(buffer, offset, offset + meta).map_err(bad)?;
    if used > meta {
        return Err(bad(format!("its message takes {used} bytes, more than the block's {meta}")));
    }
    if usize::try_from(message.bodyLength()).ok() != Some(body) {
        return Err(bad(format!("the message's body is {} bytes, the footer says {body}", message.bodyLength())));
    }
    // The buffers this batch must carry, column by column, with the column's name.
    let (batch, expected, nodes): (_, Vec<(&str, Slot)>, usize) = match message.header_type() {
        MessageHeader::RecordBatch => {
            let slots = columns.iter().flat_map(|c| c.buffers.iter().map(move |s| (c.name.as_str(), *s))).collect();
            (message.header_as_record_batch(), slots, columns.len())
        }
        MessageHeader::DictionaryBatch => {
            let dictionary = message.header_as_dictionary_batch().ok_or_else(|| bad("no dictionary batch".into()))?;
            let column = dictionary_columns
                .iter()
                .find(|(id, _)| *id == dictionary.id())
                .and_then(|(_, i)| columns.get(*i))
                .ok_or_else(|| bad(format!("dictionary id {} belongs to no column", dictionary.id())))?;
            let values = column.dictionary.as_deref().unwrap_or_default();
            (dictionary.data(), values.iter().map(|s| (column.name.as_str(), *s)).collect(), 1)
        }
        other => return Err(bad(format!("expected a record or dictionary batch, found {other:?}"))),
    };
    let batch = batch.ok_or_else(|| bad("the message has no batch".into()))?;
    if batch.compression().is_some() {
        return Err(bad("compressed buffers; datasets are uncompressed Arrow IPC".into()));
    }
    let rows = batch.length();
    if rows < 0 {
        return Err(bad(format!("negative row count {rows}")));
    }
    let buffers = batch.buffers().map_or(0, |b| b.len());
    if buffers != expected.len() {
        return Err(bad(format!("{buffers} buffers, the schema needs {}", expected.len())));
    }
    for (i, (b, (column, slot))) in batch.buffers().iter().flatten().zip(&expected).enumerate() {
        let inside = usize::try_from(b.offset())
            .ok()
            .zip(usize::try_from(b.length()).ok())
            .and_then(|(o, l)| o.checked_add(l))
            .is_some_and(|stop| stop <= body);
        // The format aligns every buffer to 8 bytes; a misaligned one is a damaged header.
        let whole = match slot {
            Slot::Width(w) => b.length() % *w as i64 == 0,
            Slot::Bitmap => true,
        };
        if !inside || b.offset() % 8 != 0 || !whole {
            return Err(bad(format!(
                "column \"{column}\": buffer {i} (offset {}, length {}) is misaligned, cut mid-value or outside the {body}-byte body",
                b.offset(),
                b.length()
            )));
        }
    }
    let found = batch.nodes().map_or(0, |n| n.len());
    if found != nodes {
        return Err(bad(format!("{found} field nodes, the schema has {nodes} column(s)")));
    }
    for (i, n) in batch.nodes().iter().flatten().enumerate() {
        if n.length() < 0 || n.null_count() < 0 || n.null_count() > n.length() {
            return Err(bad(format!("field node {i} has length {} and {} nulls", n.length(), n.null_count())));
        }
    }
    Ok(())
}
