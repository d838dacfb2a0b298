"""One handler per COS operation, by family, and the table that routes a request to it.

- :mod:`.context` - what a handler is given (:class:`~.context.Context`: the request, its
  bucket and key, the store, the limits; its body, read once) and what it gives back
  (:class:`~.context.Reply`);
- :mod:`.router` - ``(method, bucket or object, sub-resources, copy source)`` to the operation's
  COS name and handler;
- :mod:`.unsupported` - the headers, parameters and form fields that change what an operation
  means and that the fake does not implement (``501 NotImplemented`` naming them);
- :mod:`.cors` - the preflight and ``PUT``/``GET``/``DELETE /?cors``;
- :mod:`.buckets` - PUT, HEAD, DELETE Bucket and GET Bucket (the listing);
- :mod:`.objects` - PUT, GET, HEAD, DELETE Object and POST Object (browser form uploads);
- :mod:`.multipart` - Initiate, Upload Part, Complete, List Parts, Abort, List Multipart Uploads;
- :mod:`.copy` - PUT Object - Copy and Upload Part - Copy;
- :mod:`.multi_delete` - DELETE Multiple Objects.

The shared path (CORS decoration, the ACL, COS's headers, recording) is
:class:`pytest_cos_cors.cos_app.CosApp`'s, never a handler's. This package imports nothing from
``cos_app``; importing it imports no submodule.
"""
