"""The Qt-free core: extraction, chunking, model, embedding, store, index and search."""
